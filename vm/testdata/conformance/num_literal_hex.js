console.log(0x1f);
console.log(0xFF);
console.log(0x0);
console.log(0xffffffff);
console.log(0x7fffffff | 0);
console.log(0xffffffff | 0);
