/**
 * A query string in the given order (`a=1&b=2`), for the browser's URLs and
 * the API calls alike. URLSearchParams would encode spaces as `+`; WeChat
 * documents percent-encoding, so encodeURIComponent is used.
 */
export function formatQuery(parameters: ReadonlyArray<readonly [string, string]>): string {
  let query = "";
  for (const [key, value] of parameters) {
    query += `${query === "" ? "" : "&"}${key}=${encodeURIComponent(value)}`;
  }
  return query;
}
