async function f() {}
// ERROR "async functions are not supported" at 1:1
