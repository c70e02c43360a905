const a = [1, 2];
a[0]++;
++a[1];
console.log(a, a[0]--, a);
const o = { c: 0 };
o.c++;
o.c++;
console.log(o.c, --o.c);
