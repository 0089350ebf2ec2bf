/**
 * Strings of Terraform's JSON syntax as HCL quoted templates.
 *
 * In Terraform's JSON syntax every string in an argument is a template: `${…}` interpolates and `%{…}` is
 * a directive, with `$${` and `%%{` as their literal escapes
 * (https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping). A quoted template
 * of the native syntax reads the same sequences the same way
 * (https://developer.hashicorp.com/terraform/language/expressions/strings), so a JSON string becomes the
 * same template when it is quoted with only the characters the native syntax treats differently escaped:
 * `"` and `\` (and control characters, which a quoted template cannot hold) in the literal parts. Inside
 * `${…}` and `%{…}` the text is an expression, copied as it is: `${jsonencode({"a" = 1})}` needs its
 * quotes, and a `\"` there would not parse. This is what cdktf's own HCL writer gets wrong: it leaves every
 * quote of a string holding `${` unescaped (https://github.com/hashicorp/terraform-cdk/issues/3911).
 */

/** Escapes of the native syntax's quoted templates (https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#template-expressions). */
const ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeLiteral(char: string): string {
  const escaped = ESCAPES[char];
  if (escaped !== undefined) return escaped;
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, "0")}` : char;
}

/**
 * The index just past the `}` that closes the sequence opened at `start` (the index after `${` or `%{`),
 * skipping braces inside nested quoted strings, whose own `${…}` may nest again.
 */
function sequenceEnd(text: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      i = nestedStringEnd(text, i + 1);
      continue;
    }
    if (char === "{") depth += 1;
    if (char === "}") {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`unterminated template sequence at character ${start - 2} of ${JSON.stringify(text.slice(0, 200))}`);
}

/** The index just past the `"` that ends a quoted string inside an expression, which starts at `start`. */
function nestedStringEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const char = text[i];
    if (char === "\\") i += 2;
    else if (char === '"') return i + 1;
    else if ((char === "$" || char === "%") && text[i + 1] === "{") i = sequenceEnd(text, i + 2);
    else i += 1;
  }
  throw new Error(`unterminated string inside a template sequence: ${JSON.stringify(text.slice(0, 200))}`);
}

/** `text` (a string of Terraform's JSON syntax) as a quoted template of the native syntax that means the same. */
export function quoteTemplate(text: string): string {
  let out = '"';
  let i = 0;
  while (i < text.length) {
    const pair = text.slice(i, i + 2);
    if ((pair === "$$" || pair === "%%") && text[i + 2] === "{") {
      out += text.slice(i, i + 3); // a literal `${` or `%{`, escaped the same way in both syntaxes
      i += 3;
    } else if (pair === "${" || pair === "%{") {
      const end = sequenceEnd(text, i + 2);
      const sequence = text.slice(i, end);
      if (/[\r\n]/.test(sequence)) {
        throw new Error(`a template sequence spans lines, which a quoted template cannot hold: ${JSON.stringify(sequence.slice(0, 200))}`);
      }
      out += sequence;
      i = end;
    } else {
      out += escapeLiteral(text[i]);
      i += 1;
    }
  }
  return `${out}"`;
}

/**
 * The expression of a string that is one `${…}` sequence and nothing else, which the native syntax may write
 * bare: such a template's value is the expression's value, unconverted, in both syntaxes
 * (https://developer.hashicorp.com/terraform/language/expressions/strings#interpolation). `undefined` for
 * any other string, and for one with a strip marker (`${~ … ~}`), which is kept as a template.
 */
export function soleInterpolation(text: string): string | undefined {
  if (!text.startsWith("${") || text.startsWith("${~") || text.endsWith("~}")) return undefined;
  let end: number;
  try {
    end = sequenceEnd(text, 2);
  } catch {
    return undefined;
  }
  const inner = text.slice(2, -1).trim();
  return end === text.length && inner !== "" && !/[\r\n]/.test(inner) ? inner : undefined;
}
