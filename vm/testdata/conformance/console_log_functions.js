function named() {}
const arrow = () => 1;
console.log(named);
console.log(arrow);
console.log([named]);
