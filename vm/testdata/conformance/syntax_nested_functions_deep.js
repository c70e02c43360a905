function a() { function b() { function c() { function d() { return 4; } return d() + 3; } return c() + 2; } return b() + 1; }
console.log(a());
