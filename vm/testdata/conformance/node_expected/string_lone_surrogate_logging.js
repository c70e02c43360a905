// A lone surrogate prints as U+FFFD at top level and as an escape (\ud83d) inside an array
// (the goja reference cannot format lone surrogates; expected output from node).
const h = "\u{1F600}"[0];
const l = "\u{1F600}"[1];
console.log(h, l);
console.log([h, l], "a" + h);
console.log({ k: l });
