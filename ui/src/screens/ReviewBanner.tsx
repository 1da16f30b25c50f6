// What a supervisor said, where the crew cannot miss it: a returned
// inspection asks for a response (a new decision with a note); an
// overruled one says which outcome now stands. Answered and agreed
// inspections need no banner (the header's badge says so).

import type { ReactNode } from "react";
import { outcomeLabel } from "../app/labels.ts";
import { currentOutcome } from "../domain/outcome.ts";
import { latestReview, reviewStateOf } from "../domain/review.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView } from "../transport/types.ts";

export function ReviewBanner(props: { view: Pick<InspectionView, "decisions" | "reviews">; onRespond: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const state = reviewStateOf(props.view);
  const review = latestReview(props.view.reviews);
  if (review === null || (state !== "returned" && state !== "overruled")) return null;
  const time = i18n.dateTime(review.at_ms);
  const comment = review.comment.trim() === "" ? null : <p className="review-comment">{t("review.comment", { comment: review.comment })}</p>;

  if (state === "returned") {
    return (
      <section className="review-banner is-returned" data-testid="review-banner" data-state={state} aria-labelledby="review-banner-title">
        <span className="review-banner-icon" aria-hidden="true">
          ↩
        </span>
        <div className="review-banner-text">
          <h2 id="review-banner-title">{t("review.returned.title", { supervisor: review.supervisor, time })}</h2>
          {comment}
          <p className="review-ask">{t("review.returned.ask")}</p>
        </div>
        <button type="button" className="btn btn-primary" data-testid="review-respond" onClick={props.onRespond}>
          {t("review.respond")}
        </button>
      </section>
    );
  }
  return (
    <section className="review-banner is-overruled" data-testid="review-banner" data-state={state} aria-labelledby="review-banner-title">
      <span className="review-banner-icon" aria-hidden="true">
        ⚠
      </span>
      <div className="review-banner-text">
        <h2 id="review-banner-title">
          {t("review.overruled.title", {
            supervisor: review.supervisor,
            time,
            outcome: outcomeLabel(i18n, currentOutcome(props.view)),
          })}
        </h2>
        {comment}
      </div>
    </section>
  );
}
