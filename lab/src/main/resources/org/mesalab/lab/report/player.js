// Draws each episode's frames on its canvas; play, pause and step buttons; the frame counter is what the browser test reads.
(function () {
  document.querySelectorAll('.player').forEach(function (box) {
    var ep = JSON.parse(document.getElementById('episode-' + box.dataset.episode).textContent);
    var canvas = box.querySelector('canvas'), ctx = canvas.getContext('2d');
    var rows = ep.frames[0].grid, cell = 22, i = 0, timer = null;
    canvas.width = rows[0].length * cell; canvas.height = rows.length * cell;
    box.querySelector('.frames').textContent = ep.frames.length - 1;
    function draw() {
      var f = ep.frames[i];
      for (var y = 0; y < f.grid.length; y++) for (var x = 0; x < f.grid[y].length; x++) {
        var ch = f.grid[y][x];
        ctx.fillStyle = ep.colours[ch] || ep.colours['.'] || '#eee';
        ctx.fillRect(x * cell, y * cell, cell, cell);
      }
      ctx.fillStyle = ep.colours.agent;
      ctx.beginPath(); ctx.arc(f.x * cell + cell / 2, f.y * cell + cell / 2, cell / 2.6, 0, 2 * Math.PI); ctx.fill();
      box.querySelector('.frame').textContent = i;
    }
    function step() { if (i < ep.frames.length - 1) { i++; draw(); } else { pause(); } }
    function play() { if (!timer) { if (i >= ep.frames.length - 1) { i = 0; } timer = setInterval(step, 150); } }
    function pause() { if (timer) { clearInterval(timer); timer = null; } }
    box.querySelector('.play').onclick = play;
    box.querySelector('.pause').onclick = pause;
    box.querySelector('.step').onclick = function () { pause(); step(); };
    draw();
  });
})();
