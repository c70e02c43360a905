console.log(-0 % Infinity, 0 % -Infinity, -5 % Infinity, 5.5 % -Infinity, Infinity % Infinity, -1 % 1, -2 % 2, -7.5 % 2.5);
