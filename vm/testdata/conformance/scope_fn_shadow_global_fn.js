function f() { return 1; }
function g() { const f = () => 2; return f(); }
function h() { let f = 3; return f; }
console.log(f(), g(), h(), f());
