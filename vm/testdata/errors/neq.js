let a = 1;
const b = a != 2;
// ERROR "!= is not supported" at 2:13
