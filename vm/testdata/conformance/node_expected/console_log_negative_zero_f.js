// %f formats through parseFloat(String(x)), so -0 prints as 0 (expected output from node).
console.log("%f", -0);
console.log("%f|%f", -0.5, -0);
