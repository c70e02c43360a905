// goja's includes() does not treat -0 and 0 as equal (SameValueZero);
// the expected output here was produced by node.
const a = [1, -0];
const b = [0, 2];
console.log(a.includes(0), b.includes(-0), a.indexOf(0), b.indexOf(-0));
