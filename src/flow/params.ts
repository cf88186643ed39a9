/**
 * One value of a query parameter, or undefined when it is absent or repeated:
 * two values are two readings of one URL, and the flow must not pick a
 * different one than a framework or proxy in front of it did.
 */
export function singleParam(url: URL, name: string): string | undefined {
  const values = url.searchParams.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}
