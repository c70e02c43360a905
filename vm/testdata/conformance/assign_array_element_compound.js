const a = [1, 2, 3];
a[0] += 10;
a[1] *= 3;
a[2] **= 2;
a[a.length - 1] -= 1;
console.log(a);
