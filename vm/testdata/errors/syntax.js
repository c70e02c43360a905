let x = (1 + ;
// ERROR "syntax error: unexpected \";\", expected expression" at 1:14
