let x = 1;
let x = 2;
// ERROR "x is already declared in this scope" at 2:5
