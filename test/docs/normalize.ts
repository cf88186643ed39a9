import ts from "typescript";

/**
 * A block's code with its comments and layout dropped: what the zh-CN and English guides must share.
 * Comments are prose and get translated; everything the computer reads (strings included) is identical.
 */
// Printing the parsed block drops its comments and evens out its layout.
const printer = ts.createPrinter({ removeComments: true });

export function codeWithoutComments(lang: string, code: string): string {
  if (lang === "ts" || lang === "tsx" || lang === "js" || lang === "mjs" || lang === "cjs") {
    const kind = lang === "tsx" ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
    const source = ts.createSourceFile(`block.${lang}`, code, ts.ScriptTarget.Latest, false, kind);
    return printer.printFile(source);
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
