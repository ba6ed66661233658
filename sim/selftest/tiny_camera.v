// A tiny stand-in with the camera's ports, to test the co-verification infrastructure.
// Registers: 0x10000 CTRL rw [2:0] (bit0 acquisition_active, bit1 line2_o, bit2 line2_oe),
// 0x10500 FRAME_COUNT ro, 0x10510 EVENT w1c bit0 (set on frame_start).
// frame_start = rising edge of the synchronised line1_in (s[t] = pin[t-2], pulse one cycle later).
module camera (
    input  wire        clk,
    input  wire        rst,
    input  wire [31:0] s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output reg  [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [31:0] s_axil_araddr,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output reg  [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    input  wire        line1_in,
    input  wire        line2_i,
    output wire        line2_o,
    output wire        line2_oe,
    output reg         line0_out,
    output wire        frame_start,
    output wire        exposure_active,
    output wire        frame_trigger_wait,
    output wire        acquisition_active
);
    reg [2:0] ctrl;
    reg [31:0] frame_count;
    reg event_ft;
    reg s0, s1, y1;
    wire rise = s1 & ~y1;
    assign frame_start = rise & ctrl[0];
    assign exposure_active = s1;
    assign frame_trigger_wait = ~s1 & ctrl[0];
    assign acquisition_active = ctrl[0];
    assign line2_o = ctrl[1];
    assign line2_oe = ctrl[2];
    wire do_write = s_axil_awvalid & s_axil_wvalid & ~s_axil_bvalid;
    assign s_axil_awready = do_write;
    assign s_axil_wready = do_write;
    assign s_axil_arready = ~s_axil_rvalid;
    wire w1c_clear = do_write && s_axil_awaddr == 32'h10510 && s_axil_wstrb[0] && s_axil_wdata[0];
    always @(posedge clk) begin
        if (rst) begin
            ctrl <= 0; frame_count <= 0; event_ft <= 0; s0 <= 0; s1 <= 0; y1 <= 0;
            line0_out <= 0;
            s_axil_bvalid <= 0; s_axil_bresp <= 0;
            s_axil_rvalid <= 0; s_axil_rdata <= 0; s_axil_rresp <= 0;
        end else begin
            s0 <= line1_in; s1 <= s0; y1 <= s1;
            line0_out <= line2_i;
            if (frame_start) frame_count <= frame_count + 1;
            if (frame_start) event_ft <= 1;
            else if (w1c_clear) event_ft <= 0;
            if (do_write) begin
                s_axil_bvalid <= 1;
                s_axil_bresp <= 2'b00;
                if (s_axil_awaddr == 32'h10000) begin
                    if (s_axil_wstrb[0]) ctrl <= s_axil_wdata[2:0];
                end else if (s_axil_awaddr != 32'h10510) begin
                    s_axil_bresp <= 2'b10;
                end
            end
            if (s_axil_bvalid & s_axil_bready) s_axil_bvalid <= 0;
            if (s_axil_arvalid & s_axil_arready) begin
                s_axil_rvalid <= 1; s_axil_rresp <= 2'b00;
                case (s_axil_araddr)
                    32'h10000: s_axil_rdata <= {29'b0, ctrl};
                    32'h10500: s_axil_rdata <= frame_count;
                    32'h10510: s_axil_rdata <= {31'b0, event_ft};
                    default: begin s_axil_rdata <= 0; s_axil_rresp <= 2'b10; end
                endcase
            end
            if (s_axil_rvalid & s_axil_rready) s_axil_rvalid <= 0;
        end
    end
endmodule
