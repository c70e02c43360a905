console.log([-0]);
console.log([0, -0, 1]);
const a = [1, 2];
a[0] = -0;
console.log(a);
console.log({ z: -0 });
