const a = [];
let x = 12345;
for (let i = 0; i < 200; i++) {
  x = (x * 16807) % 2147483647;
  a.push(x % 1000);
}
a.sort((p, q) => p - q);
let ok = true;
for (let i = 1; i < a.length; i++) if (a[i - 1] > a[i]) ok = false;
console.log(ok, a[0], a[100], a[199], a.length);
