var x = 1;
// ERROR "var declarations are not supported" at 1:1
