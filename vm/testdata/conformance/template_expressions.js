function f(x) { return x * x; }
const arr = [1, 2, 3];
console.log(`f=${f(4)} len=${arr.length} last=${arr[arr.length - 1]}`);
console.log(`${arr[0] + arr[1]}${"!"}`);
