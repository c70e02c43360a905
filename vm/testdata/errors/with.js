const o = { a: 1 };
with (o) {}
// ERROR "with statements are not supported" at 2:1
