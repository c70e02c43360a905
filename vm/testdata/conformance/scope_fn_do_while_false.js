let n = 0;
do { n++; } while (false);
console.log(n);
