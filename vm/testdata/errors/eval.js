const r = eval("1 + 1");
// ERROR "eval is not supported" at 1:11
