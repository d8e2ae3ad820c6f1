// zod as every schema of the project uses it: configured once, here, in the lowest layer, so
// that whichever module loads first (the trainer schema, the stored-data checks) finds it set.
import { z } from 'zod';

// No generated code: zod's JIT would call `new Function`, which the site's CSP forbids.
// Messages a person reads under a field: "expected a whole number", "expected at most
// 4096", not the validator's own wording ("Invalid input: expected int, received number").
z.config({
  jitless: true,
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.expected === 'int') return 'expected a whole number';
    if (issue.code === 'invalid_type' && issue.expected === 'number')
      return typeof issue.input === 'number' ? 'expected a finite number' : 'expected a number';
    if (issue.code === 'too_small' && issue.origin === 'number')
      return issue.inclusive ? `expected at least ${issue.minimum}` : `expected more than ${issue.minimum}`;
    if (issue.code === 'too_big' && issue.origin === 'number')
      return issue.inclusive ? `expected at most ${issue.maximum}` : `expected less than ${issue.maximum}`;
    return undefined;
  },
});

export { z };
