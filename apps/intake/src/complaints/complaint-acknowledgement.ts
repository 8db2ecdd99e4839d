import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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

export class ComplainantView {
  @ApiPropertyOptional() customerId?: string;
  @ApiProperty({ description: 'Masked unless the caller is an investigator or compliance officer' }) name!: string;
  @ApiPropertyOptional() phone?: string;
  @ApiPropertyOptional() email?: string;
  @ApiPropertyOptional() idNumber?: string;
}

export class StaffComplaintView {
  @ApiProperty() complaintId!: string;
  @ApiProperty() ticketNumber!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ type: String, nullable: true }) channelReference!: string | null;
  @ApiProperty({ description: 'Pseudonymous customer reference, the same across complaints' }) customerRef!: string;
  @ApiProperty({ type: ComplainantView }) complainant!: ComplainantView;
  @ApiProperty() description!: string;
  @ApiProperty({ type: String, nullable: true }) productHint!: string | null;
  @ApiProperty({ nullable: true }) amountInDispute!: { amountMinor: number; currency: string } | null;
  @ApiProperty() preferredReplyChannel!: string;
  @ApiProperty() language!: string;
  @ApiProperty() regime!: string;
  @ApiProperty({ type: String, nullable: true }) occurredAt!: string | null;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() responseDueBy!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ enum: ['clear', 'masked'], description: 'Whether personal data in this answer is in clear' }) personalData!: 'clear' | 'masked';
}
