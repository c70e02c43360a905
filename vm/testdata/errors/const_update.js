const n = 0;
n++;
// ERROR "cannot assign to n: it is a constant" at 2:1
