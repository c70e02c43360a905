const limit = 10;
limit = 20;
// ERROR "cannot assign to limit: it is a constant" at 2:1
