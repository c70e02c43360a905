let calls = 0;
function t() { calls++; return true; }
function f() { calls++; return false; }
f() && t();
console.log(calls);
t() || f();
console.log(calls);
t() && f() && t();
console.log(calls);
f() || t() || f();
console.log(calls);
