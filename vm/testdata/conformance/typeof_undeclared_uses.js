let x;
console.log(typeof x);
x = 5;
console.log(typeof x);
x = "five";
console.log(typeof x);
x = null;
console.log(typeof x);
console.log(typeof typeof x);
