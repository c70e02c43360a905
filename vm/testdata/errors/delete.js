const o = { a: 1 };
delete o.a;
// ERROR "delete is not supported" at 2:1
