import { ApiProperty } from '@nestjs/swagger';

export class ComplaintAcknowledgement {
  @ApiProperty() complaintId!: string;
  @ApiProperty() ticketNumber!: string;
  @ApiProperty() status!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ description: 'When the final response is due under the regime in force' }) responseDueBy!: string;
  @ApiProperty() regime!: string;
  @ApiProperty({ description: 'Whether this request repeated an earlier one with the same idempotency key' })
  duplicate!: boolean;
}

export class ComplaintStatusView {
  @ApiProperty() ticketNumber!: string;
  @ApiProperty() status!: string;
  @ApiProperty() statusLabel!: { 'zh-CN': string; en: string };
  @ApiProperty() receivedAt!: string;
  @ApiProperty() responseDueBy!: string;
  @ApiProperty() statusChangedAt!: string;
}
