const m = [[1, 2], [3, 4]];
console.log(m);
console.log(m[1][0]);
m[0][1] = 9;
console.log(m[0]);
console.log([[[1]]]);
console.log([[[[1]]]]);
