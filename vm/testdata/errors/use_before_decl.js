console.log(x);
let x = 1;
// ERROR "x is used before its declaration" at 1:13
