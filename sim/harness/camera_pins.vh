// The generated camera's pins as testbench signals, the design under test (`DUT, the top module)
// wired to them, and its outputs as one vector: included in the body of the Icarus runners
// (native_tb.v, serve_tb.v).
// The testbench drives clk, rst, line1_in, line2_i and the AXI4-Lite master's address, data,
// strobe and valid signals; BREADY and RREADY are always high, AWPROT and ARPROT zero.
  reg clk = 1'b0;
  reg rst = 1'b0;
  reg line1_in = 1'b0;
  reg line2_i = 1'b0;
  reg [31:0] awaddr = 32'd0, wdata = 32'd0, araddr = 32'd0;
  reg [3:0] wstrb = 4'd0;
  reg awvalid = 1'b0, wvalid = 1'b0, arvalid = 1'b0;
  wire awready, wready, bvalid, arready, rvalid;
  wire [1:0] bresp, rresp;
  wire [31:0] rdata;
  wire line2_o, line2_oe, line0_out;
  wire frame_start, exposure_active, frame_trigger_wait, acquisition_active;

  `DUT dut (
      .clk(clk),
      .rst(rst),
      .s_axil_awaddr(awaddr),
      .s_axil_awprot(3'd0),
      .s_axil_awvalid(awvalid),
      .s_axil_awready(awready),
      .s_axil_wdata(wdata),
      .s_axil_wstrb(wstrb),
      .s_axil_wvalid(wvalid),
      .s_axil_wready(wready),
      .s_axil_bresp(bresp),
      .s_axil_bvalid(bvalid),
      .s_axil_bready(1'b1),
      .s_axil_araddr(araddr),
      .s_axil_arprot(3'd0),
      .s_axil_arvalid(arvalid),
      .s_axil_arready(arready),
      .s_axil_rdata(rdata),
      .s_axil_rresp(rresp),
      .s_axil_rvalid(rvalid),
      .s_axil_rready(1'b1),
      .line1_in(line1_in),
      .line2_i(line2_i),
      .line2_o(line2_o),
      .line2_oe(line2_oe),
      .line0_out(line0_out),
      .frame_start(frame_start),
      .exposure_active(exposure_active),
      .frame_trigger_wait(frame_trigger_wait),
      .acquisition_active(acquisition_active)
  );

  // The outputs as bits in the runners' signal order (bit i = signal index i): frame_start,
  // exposure_active, frame_trigger_wait, acquisition_active, line0_out, line2_o, line2_oe.
  wire [6:0] outputs = {
    line2_oe, line2_o, line0_out, acquisition_active, frame_trigger_wait, exposure_active,
    frame_start
  };
