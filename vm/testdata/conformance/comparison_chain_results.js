const x = 5;
const inRange = x > 0 && x < 10;
console.log(inRange);
console.log((x > 3) === true);
console.log(x >= 5 && x <= 5);
