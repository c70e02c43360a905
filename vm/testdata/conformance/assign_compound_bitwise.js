let x = 0xff;
x &= 0x0f; console.log(x);
x |= 0x30; console.log(x);
x ^= 0x11; console.log(x);
x <<= 4; console.log(x);
x >>= 2; console.log(x);
x = -x;
x >>>= 28; console.log(x);
