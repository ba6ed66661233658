// Interactive Icarus runner for the generated camera (sim/serve.py builds it with
// -DDUT=<top module>): the long-lived process behind `camtwin serve --backend icarus`.
//   vvp -n serve_tb.vvp +cmd=COMMAND_FIFO +out=ANSWER_FIFO
// It opens the command FIFO for reading, then the answer FIFO for writing, and speaks the
// protocol of serve_harness.cpp (see its header) over them. Timing within a cycle is that of
// native_tb.v: cycle t starts at rising edge t (10 ns period), inputs are applied 1 ns after
// it, outputs and handshakes are sampled 8 ns after it.
`timescale 1ns / 1ps
`ifndef DUT
`define DUT camera
`endif

module serve_tb;
  localparam integer MAXP = 4096;  // scheduled pin edges per line (a ring)
  localparam integer HANG = 1000;  // cycles a bus access may take

  `include "camera_pins.vh"

  reg signed [63:0] p_cycle[0:1][0:MAXP-1];
  reg p_level[0:1][0:MAXP-1];
  integer p_head[0:1];
  integer p_tail[0:1];

  reg [8*1024-1:0] cmd_path, out_path;
  reg [8*256-1:0] text;
  reg [8*8-1:0] word;
  integer cmd, out, n, i, l;
  reg signed [63:0] a, b, c, t, stop_at, start, accepted, aw_at, w_at, performed;
  reg aw_hs, w_hs, ar_hs, r_done, b_done, ok, req_r, req_w;
  reg [31:0] data_q;
  reg [1:0] rresp_q, bresp_q;
  reg [6:0] now, prev;
  real t_wall;

  // One cycle: inputs 1 ns after the edge (valids of the last handshakes dropped, pins due),
  // sample with everything settled, then the rising edge that ends it.
  task automatic one_cycle;
    begin
      #1;
      if (aw_hs) awvalid = 1'b0;
      if (w_hs) wvalid = 1'b0;
      if (ar_hs) arvalid = 1'b0;
      if (req_r) arvalid = 1'b1;  // a new access is presented here, never at the edge
      if (req_w) begin
        awvalid = 1'b1;
        wvalid  = 1'b1;
      end
      req_r = 1'b0;
      req_w = 1'b0;
      for (l = 0; l < 2; l = l + 1) begin
        while (p_head[l] != p_tail[l] && p_cycle[l][p_head[l]] <= t) begin
          if (l == 0) line1_in = p_level[l][p_head[l]];
          else line2_i = p_level[l][p_head[l]];
          p_head[l] = (p_head[l] + 1) % MAXP;
        end
      end
      #4 clk = 1'b0;
      #3;
      now = outputs;
      if (now !== prev) begin
        for (i = 0; i < 7; i = i + 1)
          if (now[i] !== prev[i]) $fdisplay(out, "e %0d %0d %0d", i, t, now[i]);
        prev = now;
      end
      aw_hs = awvalid && awready;
      w_hs = wvalid && wready;
      ar_hs = arvalid && arready;
      r_done = rvalid;
      b_done = bvalid;
      data_q = rdata;
      rresp_q = rresp;
      bresp_q = bresp;
      #2 clk = 1'b1;
      t = t + 1;
    end
  endtask

  initial begin
    if (!$value$plusargs("cmd=%s", cmd_path) || !$value$plusargs("out=%s", out_path)) begin
      $display("serve_tb: usage: vvp -n serve_tb.vvp +cmd=FIFO +out=FIFO");
      $finish(1);
    end
    cmd = $fopen(cmd_path, "r");
    out = $fopen(out_path, "w");
    if (cmd == 0 || out == 0) begin
      $display("serve_tb: cannot open the command or answer FIFO");
      $finish(1);
    end
    p_head[0] = 0;
    p_tail[0] = 0;
    p_head[1] = 0;
    p_tail[1] = 0;
    #1 rst = 1'b1;  // a 0 -> 1 edge: starts every always @* block of the design (Icarus)
    for (i = 0; i < 3; i = i + 1) begin
      #5 clk = 1'b1;
      #5 clk = 1'b0;
    end
    rst = 1'b0;
    prev = 7'h7f;
    aw_hs = 1'b0;
    w_hs = 1'b0;
    ar_hs = 1'b0;
    req_r = 1'b0;
    req_w = 1'b0;
    t = 0;
    $fdisplay(out, "t 0");
    $fflush(out);
    forever begin
      text = 0;
      n = $fgets(text, cmd);
      if (n == 0) $finish(0);
      word = 0;
      a = 0;
      b = 0;
      c = 0;
      n = $sscanf(text, "%s %d %d %d", word, a, b, c);
      if (word == "p") begin
        l = a - 1;
        p_cycle[l][p_tail[l]] = b;
        p_level[l][p_tail[l]] = c[0];
        p_tail[l] = (p_tail[l] + 1) % MAXP;
      end else if (word == "r") begin
        // the wall-time limit (b) is not available in Verilog: run to `stop_at`
        stop_at = a;
        while (t < stop_at) one_cycle;
        $fdisplay(out, "t %0d", t);
        $fflush(out);
      end else if (word == "R") begin
        araddr = a[31:0];
        req_r = 1'b1;
        accepted = -1;
        start = t;
        ok = 1'b0;
        while (!ok) begin
          one_cycle;
          if (ar_hs) accepted = t - 1;
          if (r_done) ok = 1'b1;
          else if (t - start > HANG) begin
            $display("serve_tb: a bus read got no response");
            $finish(1);
          end
        end
        $fdisplay(out, "d %0d %0d %0d %0d", data_q, rresp_q, accepted, t);
        $fflush(out);
      end else if (word == "W") begin
        awaddr = a[31:0];
        wdata = b[31:0];
        wstrb = c[3:0];
        req_w = 1'b1;
        aw_at = -1;
        w_at = -1;
        performed = -1;
        start = t;
        ok = 1'b0;
        while (!ok) begin
          one_cycle;
          if (aw_hs) aw_at = t - 1;
          if (w_hs) w_at = t - 1;
          if (performed < 0 && aw_at >= 0 && w_at >= 0) performed = t - 1;
          if (b_done) ok = 1'b1;
          else if (t - start > HANG) begin
            $display("serve_tb: a bus write got no response");
            $finish(1);
          end
        end
        $fdisplay(out, "b %0d %0d %0d", bresp_q, performed, t);
        $fflush(out);
      end else if (word == "q") begin
        $fflush(out);
        $finish(0);
      end else begin
        $display("serve_tb: unknown command");
        $finish(1);
      end
    end
  end
endmodule
