/**
 * The validation phase's wiring to the crawl it embeds: with a crawl, the first query and every re-run
 * come after a crawl (a re-run keeps the poll count); under partition projection both go straight to
 * the query.
 */
import type { State } from "../../state-machines/asl";
import { crawlPhase } from "../../state-machines/batch/crawl";
import { BATCH_STATES as S } from "../../state-machines/batch/names";
import { validationPhase } from "../../state-machines/batch/validation";

const base = { workgroup: "wg", attempts: 3, retryWaitSeconds: 120, next: S.finalizeBatch };
let crawl: ReturnType<typeof crawlPhase>;
beforeEach(() => {
  crawl = crawlPhase({ crawlerName: "crawler", pollSeconds: 30, timeoutSeconds: 1800, next: S.runValidationQuery });
});
const next = (states: Readonly<Record<string, unknown>>, name: string) => (states[name] as { Next?: string }).Next;

describe("validationPhase", () => {
  it("crawls before the first query, and crawls again (keeping the poll count) before each re-run", () => {
    const phase = validationPhase({ ...base, crawl });

    expect(phase.entry).toBe(S.startValidation);
    expect(next(phase.states, S.startValidation)).toBe(S.prepareCrawl);
    expect(next(phase.states, S.waitBeforeRevalidation)).toBe(S.prepareRecrawl);
    expect(Object.keys(phase.states)).toEqual(expect.arrayContaining(Object.keys(crawl.states)));
    expect(Object.keys(phase.recorders)).toEqual([
      S.startCrawlerFailed,
      S.getCrawlerStateFailed,
      S.getLastCrawlFailed,
      S.runValidationQueryFailed,
      S.getValidationResultsFailed,
    ]);
  });

  it("goes straight to the query, first and on every re-run, without a crawl", () => {
    const phase = validationPhase({ ...base, crawl: null });

    expect(next(phase.states, S.startValidation)).toBe(S.runValidationQuery);
    expect(next(phase.states, S.waitBeforeRevalidation)).toBe(S.runValidationQuery);
    expect(Object.keys(phase.states).filter((name) => name in crawl.states)).toEqual([]);
    expect(Object.keys(phase.recorders)).toEqual([S.runValidationQueryFailed, S.getValidationResultsFailed]);
  });

  it("keeps the first crawl's states between StartValidation and the query, in that order", () => {
    const names = Object.keys(validationPhase({ ...base, crawl }).states);

    expect(names.indexOf(S.startValidation)).toBeLessThan(names.indexOf(S.prepareCrawl));
    expect(names.indexOf(S.crawlNotSucceeded)).toBeLessThan(names.indexOf(S.runValidationQuery));
  });

  it("stops re-running after the configured number of runs", () => {
    const runsLeft = validationPhase({ ...base, attempts: 5, crawl: null }).states[S.validationRunsLeft] as Extract<
      State,
      { Type: "Choice" }
    >;

    expect(runsLeft.Choices).toEqual([{ Variable: "$.check.runs", NumericGreaterThanEquals: 5, Next: S.countMismatch }]);
  });
});
