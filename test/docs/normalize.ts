import ts from "typescript";

/**
 * A block's code with its comments and layout dropped: what the zh-CN and English guides must share.
 * Comments are prose and get translated; everything the computer reads (strings included) is identical.
 */
export function codeWithoutComments(lang: string, code: string): string {
  if (lang === "ts" || lang === "tsx" || lang === "js" || lang === "mjs" || lang === "cjs") {
    const scanner = ts.createScanner(
      ts.ScriptTarget.Latest,
      true,
      lang === "tsx" ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard,
      code,
    );
    const tokens: string[] = [];
    for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
      tokens.push(scanner.getTokenText());
    }
    return tokens.join(" ");
  }
  if (lang === "sh" || lang === "bash" || lang === "shell") {
    return code
      .split("\n")
      .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
      .filter((line) => line !== "")
      .join("\n");
  }
  return code.replace(/\s+/g, " ").trim();
}
