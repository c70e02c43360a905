let total = 0;
totl = 5;
// ERROR "undeclared variable totl" at 2:1
