const x = 5;
console.log(x > 3 ? "yes" : "no");
console.log(x > 10 ? "big" : x > 4 ? "mid" : "small");
const y = x ? 1 : 2;
console.log(y);
console.log((x < 0 ? -x : x) * 2);
