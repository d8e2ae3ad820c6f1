/**
 * A plain decimal number as people and programs write it (`3`, `-0.5`, `.5`, `5.`, `1e-3`):
 * no hex or octal, no leading `+`, no spaces, nothing after it. One rule for every place that
 * reads a number from text: links, CSV cells, logits files.
 */
export const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
