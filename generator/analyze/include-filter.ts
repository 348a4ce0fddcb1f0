/** The config's `include`: `"*"` takes every function, anything else is a regular expression on the name. */
export function includeFilter(include: string): (name: string) => boolean {
  if (include === '*') return () => true;
  const pattern = new RegExp(include);
  return (name) => pattern.test(name);
}
