// Settings: the officers who can open this vehicle's data (each holds a
// key, a key slot wrapped under their PIN), keys made on another copy of
// the data counted apart; adding an officer (their ID, their PIN typed
// twice by themselves) and removing one's key, each confirmed with the PIN
// of the officer signed in. An officer without a key cannot sign in: this
// is where they get one (`kordon officer add` on a vehicle without a
// screen). The last key is never removed, nor one's own here (another
// officer who holds a key does that: no one locks themselves out by a slip).

import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad, type ErrorBody } from "../app/useLoad.ts";
import { pinProblem } from "../domain/pin.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";

/** What the add form found wrong before asking the vehicle. */
interface AddProblems {
  id?: boolean;
  pin?: boolean;
  again?: boolean;
  byPin?: boolean;
}

export function OfficerKeys(props: { officer: string }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const me = props.officer;
  // Loaded again (revision) when a removal found the keys changed elsewhere.
  const [revision, setRevision] = useState(0);
  const holders = useLoad(() => transport.keyHolders(), [transport, revision]);
  const heading = useRef<HTMLHeadingElement>(null);

  // Adding an officer.
  const [newId, setNewId] = useState("");
  const [newPin, setNewPin] = useState("");
  const [newPinAgain, setNewPinAgain] = useState("");
  const [byPin, setByPin] = useState("");
  const [problems, setProblems] = useState<AddProblems>({});
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<ErrorBody | null>(null);
  const [added, setAdded] = useState<{ officer: string } | null>(null);
  const idField = useRef<HTMLInputElement>(null);
  const pinField = useRef<HTMLInputElement>(null);
  const againField = useRef<HTMLInputElement>(null);
  const byPinField = useRef<HTMLInputElement>(null);

  // Removing one officer's key (the confirmation open for `removing`).
  const [removing, setRemoving] = useState<string | null>(null);
  const [removeByPin, setRemoveByPin] = useState("");
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeError, setRemoveError] = useState<ErrorBody | null>(null);
  const [removePinMissing, setRemovePinMissing] = useState(false);
  const [listError, setListError] = useState<{ error: ErrorBody; officer: string } | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const removePinField = useRef<HTMLInputElement>(null);

  const value = holders.value;
  const named = value?.officers ?? [];
  const elsewhere = value === null ? 0 : Math.max(0, value.keys - value.officers.length);
  const canRemove = (officer: string): boolean => value !== null && value.keys > 1 && officer !== me;

  const add = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setAdded(null);
    setAddError(null);
    const found: AddProblems = {};
    if (newId.trim() === "") found.id = true;
    if (pinProblem(newPin) !== null) found.pin = true;
    else if (newPinAgain !== newPin) found.again = true;
    if (byPin === "") found.byPin = true;
    setProblems(found);
    // Nothing goes to the vehicle until the form is whole: the focus goes to the first field to mend.
    const mend = found.id === true ? idField : found.pin === true ? pinField : found.again === true ? againField : found.byPin === true ? byPinField : null;
    if (found.again === true) setNewPinAgain("");
    if (mend !== null) {
      mend.current?.focus();
      return;
    }
    const officer = newId.trim();
    setAdding(true);
    try {
      holders.set(await transport.addOfficer(byPin, officer, newPin));
      setAdded({ officer });
      setNewId("");
      setNewPin("");
      setNewPinAgain("");
      setByPin("");
    } catch (err) {
      const error = toErrorBody(err);
      setAddError(error);
      if (error.code === "invalid_input") {
        idField.current?.focus();
      } else {
        // The confirming PIN is typed again: wrong, locked out for a while, or the app locked.
        setByPin("");
        byPinField.current?.focus();
      }
    } finally {
      setAdding(false);
    }
  };

  const openRemove = (officer: string): void => {
    setRemoving(officer);
    setRemoveByPin("");
    setRemoveError(null);
    setRemovePinMissing(false);
    setRemoved(null);
    setListError(null);
  };
  const closeRemove = (): void => {
    setRemoving(null);
    setRemoveByPin("");
    setRemoveError(null);
    setRemovePinMissing(false);
  };
  const remove = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (removing === null) return;
    const officer = removing;
    setRemoveError(null);
    setRemovePinMissing(removeByPin === "");
    if (removeByPin === "") {
      removePinField.current?.focus();
      return;
    }
    setRemoveBusy(true);
    try {
      holders.set(await transport.removeOfficer(removeByPin, officer));
      closeRemove();
      setRemoved(officer);
      heading.current?.focus();
    } catch (err) {
      const error = toErrorBody(err);
      if (error.code === "last_key" || error.code === "no_key") {
        // The keys changed elsewhere (the CLI beside the app): said at the list, which is read again.
        closeRemove();
        setListError({ error, officer });
        setRevision((r) => r + 1);
        heading.current?.focus();
      } else {
        setRemoveError(error);
        setRemoveByPin("");
        removePinField.current?.focus();
      }
    } finally {
      setRemoveBusy(false);
    }
  };

  const byPinLead = (error: ErrorBody | null): { lead?: string } =>
    error?.code === "wrong_pin" ? { lead: t("officers.wrongPin", { officer: me }) } : {};
  const describedBy = (...ids: (string | false)[]): string => ids.filter((id) => id !== false).join(" ");

  return (
    <section className="card officer-keys" aria-labelledby="officers-title" data-testid="officer-keys">
      <h2 id="officers-title" ref={heading} tabIndex={-1}>
        {t("officers.title")}
      </h2>
      <p className="hint">{t("officers.intro")}</p>

      {value === null ? (
        holders.error === null ? (
          <p className="muted">{t("app.loading")}</p>
        ) : (
          <ErrorNotice error={holders.error} />
        )
      ) : (
        <>
          <ul className="key-holders" aria-labelledby="officers-title" data-testid="key-holders" data-keys={value.keys}>
            {named.map((officer) => (
              <li key={officer} data-testid="key-holder" data-officer={officer}>
                <span className="code">{officer}</span>
                {officer === me ? <span className="muted">{t("officers.you")}</span> : null}
                {canRemove(officer) ? (
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    aria-label={t("officers.removeOne", { officer })}
                    aria-expanded={removing === officer}
                    {...(removing === officer ? { "aria-controls": "officer-remove" } : {})}
                    onClick={() => (removing === officer ? closeRemove() : openRemove(officer))}
                  >
                    {t("officers.remove")}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          {elsewhere > 0 ? <p data-testid="keys-elsewhere">{t("officers.elsewhere", { count: elsewhere })}</p> : null}
          {value.keys <= 1 ? <p className="hint">{t("officers.lastKey")}</p> : null}
          {holders.error === null ? null : <ErrorNotice error={holders.error} />}
        </>
      )}

      {listError === null ? null : (
        <ErrorNotice
          error={listError.error}
          {...(listError.error.code === "no_key" ? { lead: t("officers.noKeyToRemove", { officer: listError.officer }) } : {})}
        />
      )}
      <p className="ok" aria-live="polite" data-testid="officer-removed">
        {removed === null ? "" : t("officers.removed", { officer: removed })}
      </p>

      {removing === null ? null : (
        <form
          id="officer-remove"
          className="officer-remove"
          onSubmit={(e) => void remove(e)}
          aria-labelledby="officer-remove-title"
          noValidate
        >
          <h3 id="officer-remove-title">{t("officers.removeTitle", { officer: removing })}</h3>
          <p>{t("officers.removeWarning")}</p>
          <div className="field">
            <label htmlFor="officer-remove-pin">{t("officers.byPin", { officer: me })}</label>
            <input
              ref={removePinField}
              id="officer-remove-pin"
              type="password"
              inputMode="numeric"
              autoComplete="current-password"
              value={removeByPin}
              onChange={(e) => setRemoveByPin(e.target.value)}
              aria-describedby={describedBy("officer-remove-pin-hint", removePinMissing && "officer-remove-pin-msg")}
              aria-invalid={removePinMissing || removeError?.code === "wrong_pin"}
              aria-required
              autoFocus
            />
            <p className="hint" id="officer-remove-pin-hint">
              {t("officers.byPinHint")}
            </p>
            {removePinMissing ? (
              <p className="msg bad" id="officer-remove-pin-msg">
                {t("officers.byPinEmpty")}
              </p>
            ) : null}
          </div>
          <ErrorNotice error={removeError} {...byPinLead(removeError)} />
          <div className="actions">
            <button type="submit" className="btn btn-danger" disabled={removeBusy} aria-busy={removeBusy}>
              {removeBusy ? t("officers.removing") : t("officers.removeConfirm")}
            </button>
            <button type="button" className="btn" onClick={closeRemove} disabled={removeBusy}>
              {t("officers.cancel")}
            </button>
          </div>
        </form>
      )}

      <form className="officer-add" onSubmit={(e) => void add(e)} aria-labelledby="officer-add-title" noValidate>
        <h3 id="officer-add-title">{t("officers.add")}</h3>
        <div className="field">
          <label htmlFor="officer-add-id">{t("officers.newId")}</label>
          <input
            ref={idField}
            id="officer-add-id"
            value={newId}
            onChange={(e) => setNewId(e.target.value)}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            aria-describedby={describedBy("officer-add-id-hint", problems.id === true && "officer-add-id-msg")}
            aria-invalid={problems.id === true}
            aria-required
          />
          <p className="hint" id="officer-add-id-hint">
            {t("officers.newIdHint")}
          </p>
          {problems.id === true ? (
            <p className="msg bad" id="officer-add-id-msg">
              {t("officers.idEmpty")}
            </p>
          ) : null}
        </div>
        <div className="columns">
          <div className="field">
            <label htmlFor="officer-add-pin">{t("officers.newPin")}</label>
            <input
              ref={pinField}
              id="officer-add-pin"
              type="password"
              inputMode="numeric"
              autoComplete="new-password"
              value={newPin}
              onChange={(e) => setNewPin(e.target.value)}
              aria-describedby={describedBy("officer-add-pin-hint", problems.pin === true && "officer-add-pin-msg")}
              aria-invalid={problems.pin === true}
              aria-required
            />
            {problems.pin === true ? (
              <p className="msg bad" id="officer-add-pin-msg">
                {t("officers.pinShape")}
              </p>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="officer-add-pin-again">{t("officers.newPinAgain")}</label>
            <input
              ref={againField}
              id="officer-add-pin-again"
              type="password"
              inputMode="numeric"
              autoComplete="new-password"
              value={newPinAgain}
              onChange={(e) => setNewPinAgain(e.target.value)}
              aria-describedby={describedBy("officer-add-pin-hint", problems.again === true && "officer-add-pin-again-msg")}
              aria-invalid={problems.again === true}
              aria-required
            />
            {problems.again === true ? (
              <p className="msg bad" id="officer-add-pin-again-msg">
                {t("officers.pinMismatch")}
              </p>
            ) : null}
          </div>
        </div>
        <p className="hint officer-add-pin-hint" id="officer-add-pin-hint">
          {t("officers.newPinHint")}
        </p>
        <div className="field">
          <label htmlFor="officer-add-by-pin">{t("officers.byPin", { officer: me })}</label>
          <input
            ref={byPinField}
            id="officer-add-by-pin"
            type="password"
            inputMode="numeric"
            autoComplete="current-password"
            value={byPin}
            onChange={(e) => setByPin(e.target.value)}
            aria-describedby={describedBy("officer-add-by-pin-hint", problems.byPin === true && "officer-add-by-pin-msg")}
            aria-invalid={problems.byPin === true || addError?.code === "wrong_pin"}
            aria-required
          />
          <p className="hint" id="officer-add-by-pin-hint">
            {t("officers.byPinHint")}
          </p>
          {problems.byPin === true ? (
            <p className="msg bad" id="officer-add-by-pin-msg">
              {t("officers.byPinEmpty")}
            </p>
          ) : null}
        </div>
        <ErrorNotice error={addError} {...byPinLead(addError)} />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={adding} aria-busy={adding}>
            {adding ? t("officers.adding") : t("officers.submit")}
          </button>
          <span className="ok" aria-live="polite" data-testid="officer-added">
            {added === null ? "" : t("officers.added", { officer: added.officer })}
          </span>
        </div>
      </form>
    </section>
  );
}
