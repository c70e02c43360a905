const a = [0, 0, 0, 0];
let i = 0;
a[i++] = i;
a[i++] = i * 10;
console.log(a, i);
let calls = 0;
function idx() { calls++; return 2; }
a[idx()] += 5;
a[idx()]++;
console.log(a, calls);
let x = 1;
x = x++ + ++x;
console.log(x);
let y = 5;
const z = (y += 2) * (y -= 3);
console.log(y, z);
