console.log(~0);
console.log(~-1);
console.log(~1);
console.log(~2147483647);
console.log(~-2147483648);
console.log(~4294967295);
console.log(~~4294967295);
console.log(~0.9);
