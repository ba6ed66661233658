// Plain Verilog scenario runner for Icarus (sim/native.py builds it with -DDUT=<top module>).
// It reads the same stimulus file and writes the same output file as native_harness.cpp (see
// its header for both formats and the cycle conventions):
//   vvp -n native_tb.vvp +stim=STIMULUS +out=OUTPUT
// Cycle t starts at rising edge t (10 ns period); inputs of cycle t are applied 1 ns after it,
// outputs and handshakes of cycle t are sampled 8 ns after it, and the next rising edge ends it.
// rst is 0 at time 0 and raised after 1 ns: reset held from time 0 leaves some of the design's
// always @* blocks unevaluated in Icarus (X in the trigger path).
`timescale 1ns / 1ps
`ifndef DUT
`define DUT camera
`endif

module native_tb;
  localparam integer MAXP = 65536;  // pin edges per line
  localparam integer MAXW = 4096;  // writes
  localparam integer MAXR = 64;  // final reads
  localparam integer HANG = 1000;  // cycles a bus access may take

  `include "camera_pins.vh"

  reg signed [63:0] p1_cycle[0:MAXP-1];
  reg p1_level[0:MAXP-1];
  reg signed [63:0] p2_cycle[0:MAXP-1];
  reg p2_level[0:MAXP-1];
  reg signed [63:0] w_cycle[0:MAXW-1];
  reg [31:0] w_addr[0:MAXW-1];
  reg [31:0] w_data[0:MAXW-1];
  reg [3:0] w_strb[0:MAXW-1];
  reg [31:0] r_addr[0:MAXR-1];

  reg [8*1024-1:0] stim_path, out_path;
  integer fd, out, n;
  reg signed [63:0] k, a, b, c, d;
  reg signed [63:0] cycles, reset, t, base, end_cycle, s, access_start;
  reg signed [63:0] w_aw, w_w, w_perf, r_perf;
  integer n1, n2, nw, nr, n_prelude, i1, i2, wi, ri, i;
  reg w_active, r_active, aw_hs, w_hs, ar_hs, done;
  reg [6:0] now, prev;

  initial begin
    if (!$value$plusargs("stim=%s", stim_path) || !$value$plusargs("out=%s", out_path)) begin
      $display("native_tb: usage: vvp -n native_tb.vvp +stim=FILE +out=FILE");
      $finish(1);
    end
    if ($value$plusargs("vcd=%s", out_path)) begin  // optional waves: +vcd=FILE
      $dumpfile(out_path);
      $dumpvars(0, native_tb);
    end
    n = $value$plusargs("out=%s", out_path);
    fd = $fopen(stim_path, "r");
    if (fd == 0) begin
      $display("native_tb: cannot open the stimulus file");
      $finish(1);
    end
    cycles = 0;
    reset = 3;
    n1 = 0;
    n2 = 0;
    nw = 0;
    nr = 0;
    n = $fscanf(fd, "%d %d %d %d %d\n", k, a, b, c, d);
    while (n == 5) begin
      if (k == 0) begin
        cycles = a;
        reset  = (b < 1) ? 1 : b;
      end else if (k == 1 && a == 1) begin
        p1_cycle[n1] = b;
        p1_level[n1] = c[0];
        n1 = n1 + 1;
      end else if (k == 1) begin
        p2_cycle[n2] = b;
        p2_level[n2] = c[0];
        n2 = n2 + 1;
      end else if (k == 2) begin
        w_cycle[nw] = a;
        w_addr[nw] = b[31:0];
        w_data[nw] = c[31:0];
        w_strb[nw] = d[3:0];
        nw = nw + 1;
      end else if (k == 3) begin
        r_addr[nr] = a[31:0];
        nr = nr + 1;
      end
      if (n1 >= MAXP || n2 >= MAXP || nw >= MAXW || nr >= MAXR) begin
        $display("native_tb: stimulus too large for the Icarus runner");
        $finish(1);
      end
      n = $fscanf(fd, "%d %d %d %d %d\n", k, a, b, c, d);
    end
    $fclose(fd);
    n_prelude = 0;
    while (n_prelude < nw && w_cycle[n_prelude] < 0) n_prelude = n_prelude + 1;
    out = $fopen(out_path, "w");

    #1 rst = 1'b1;  // a 0 -> 1 edge: starts every always @* block of the design (Icarus)
    for (i = 0; i < reset; i = i + 1) begin
      #5 clk = 1'b1;
      #5 clk = 1'b0;
    end
    // The loop below raises clk at the end of each cycle: the last reset edge is at time -5
    // relative to it; cycle 0 is from here on.
    rst = 1'b0;
    base = (n_prelude == 0) ? 0 : -1;
    end_cycle = (n_prelude == 0) ? cycles : 64'h7FFFFFFFFFFFFFFF;
    i1 = 0;
    i2 = 0;
    wi = 0;
    ri = 0;
    w_active = 1'b0;
    r_active = 1'b0;
    prev = 7'h7f;
    access_start = 0;
    w_aw = -1;
    w_w = -1;
    w_perf = -1;
    r_perf = -1;
    done = 1'b0;
    aw_hs = 1'b0;
    w_hs = 1'b0;
    ar_hs = 1'b0;
    t = 0;
    while (!done) begin
      // ---- inputs of cycle t (1 ns after the edge: no race with the design's registers)
      #1;
      if (aw_hs) awvalid = 1'b0;
      if (w_hs) wvalid = 1'b0;
      if (ar_hs) arvalid = 1'b0;
      if (base >= 0 && t < end_cycle) begin
        s = t - base;
        while (i1 < n1 && p1_cycle[i1] <= s) begin
          line1_in = p1_level[i1];
          i1 = i1 + 1;
        end
        while (i2 < n2 && p2_cycle[i2] <= s) begin
          line2_i = p2_level[i2];
          i2 = i2 + 1;
        end
      end
      if (!w_active && wi < nw) begin
        if (w_cycle[wi] < 0 || (base >= 0 && t >= base + w_cycle[wi] - 1 && t < end_cycle))
        begin
          awaddr = w_addr[wi];
          wdata = w_data[wi];
          wstrb = w_strb[wi];
          awvalid = 1'b1;
          wvalid = 1'b1;
          w_active = 1'b1;
          w_aw = -1;
          w_w = -1;
          w_perf = -1;
          access_start = t;
        end
      end
      if (t >= end_cycle && (wi >= nw || w_cycle[wi] >= 0) && !w_active && !r_active) begin
        if (ri >= nr) done = 1'b1;
        else begin
          araddr = r_addr[ri];
          arvalid = 1'b1;
          r_active = 1'b1;
          r_perf = -1;
          access_start = t;
        end
      end
      if (!done) begin
        // ---- cycle t: sample with everything settled
        #4 clk = 1'b0;
        #3;
        now = outputs;
        if (now !== prev) begin
          for (i = 0; i < 7; i = i + 1)
            if (now[i] !== prev[i]) $fdisplay(out, "1 %0d %0d %0d 0", i, t, now[i]);
          prev = now;
        end
        aw_hs = 1'b0;
        w_hs  = 1'b0;
        ar_hs = 1'b0;
        if (w_active) begin
          aw_hs = awvalid && awready;
          w_hs  = wvalid && wready;
          if (aw_hs) w_aw = t;
          if (w_hs) w_w = t;
          if (w_perf < 0 && w_aw >= 0 && w_w >= 0) begin
            w_perf = t;
            if (base < 0 && wi + 1 == n_prelude) begin
              base = t + 1;
              end_cycle = base + cycles;
            end
          end
          if (bvalid) begin
            $fdisplay(out, "2 %0d %0d %0d 0", wi, w_perf, bresp);
            w_active = 1'b0;
            wi = wi + 1;
          end else if (t - access_start > HANG) begin
            $display("native_tb: a bus write got no response");
            $finish(1);
          end
        end
        if (r_active) begin
          ar_hs = arvalid && arready;
          if (ar_hs) r_perf = t;
          if (rvalid) begin
            $fdisplay(out, "3 %0d %0d %0d %0d", r_addr[ri], r_perf, rdata, rresp);
            r_active = 1'b0;
            ri = ri + 1;
          end else if (t - access_start > HANG) begin
            $display("native_tb: a bus read got no response");
            $finish(1);
          end
        end
        // ---- rising edge ends cycle t; handshaken channels drop their valid after it
        #2 clk = 1'b1;
        t = t + 1;
      end
    end
    $fdisplay(out, "0 %0d %0d %0d %0d", base, end_cycle, t, 0);
    $fclose(out);
    $finish(0);
  end
endmodule
