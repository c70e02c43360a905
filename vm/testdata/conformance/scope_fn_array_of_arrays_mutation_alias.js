const row = [0, 0];
const grid = [row, row];
grid[0][0] = 5;
console.log(grid);
