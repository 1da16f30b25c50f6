// The marks on the scan shown: kind, note, who and when. Choosing one
// brings it into view.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Annotation } from "../transport/types.ts";

export function AnnotationList(props: { annotations: readonly Annotation[]; onShow: (a: Annotation) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <section className="annotation-list" aria-label={t("annotation.list")}>
      <h3>{t("annotation.list")}</h3>
      {props.annotations.length === 0 ? (
        <p className="muted">{t("annotation.none")}</p>
      ) : (
        <ul className="plain">
          {props.annotations.map((a) => (
            <li key={a.id}>
              <button type="button" className="annotation-item" data-testid="annotation-item" onClick={() => props.onShow(a)}>
                <span className={`swatch kind-${a.kind}`} aria-hidden="true" />
                <strong>{t(`annotation.kind.${a.kind}`)}</strong>
                {a.label === "" ? null : <span>{a.label}</span>}
                <span className="muted">{t("annotation.by", { officer: a.added_by, time: i18n.dateTime(a.added_ms) })}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
