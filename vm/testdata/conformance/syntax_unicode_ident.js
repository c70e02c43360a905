const café = 1;
const $x = 2, _y = 3, ñ = 4;
console.log(café + $x + _y + ñ);
