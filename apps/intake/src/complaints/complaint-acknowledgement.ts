import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ComplaintAcknowledgement {
  @ApiProperty() complaintId!: string;
  @ApiProperty() ticketNumber!: string;
  @ApiProperty() status!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ description: 'When the final response is due under the regime in force' }) responseDueBy!: string;
  @ApiProperty() regime!: string;
}

/** Set on the answer to a repeat: the body is the original answer, byte for byte. */
export const REPLAY_HEADER = 'Idempotent-Replayed';

export class ComplainantView {
  @ApiPropertyOptional() customerId?: string;
  @ApiProperty({ description: 'Masked unless the caller is an investigator or compliance officer' }) name!: string;
  @ApiPropertyOptional() phone?: string;
  @ApiPropertyOptional() email?: string;
  @ApiPropertyOptional() idNumber?: string;
  @ApiPropertyOptional({ description: "The channel's own id of the person (WeChat openid, chatbot visitor id)" }) channelUserId?: string;
  @ApiPropertyOptional({ description: 'Lines separated by line breaks; masked unless the caller is an investigator or compliance officer' }) postalAddress?: string;
}

export class StaffComplaintView {
  @ApiProperty() complaintId!: string;
  @ApiProperty() ticketNumber!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ type: String, nullable: true }) channelReference!: string | null;
  @ApiProperty({ description: 'Pseudonymous customer reference, the same across the complaints of one customer id, ID number, phone, e-mail or channel user id; a complaint that gives only a name has one of its own' }) customerRef!: string;
  @ApiProperty({ type: ComplainantView }) complainant!: ComplainantView;
  @ApiProperty() description!: string;
  @ApiProperty({ nullable: true, description: 'Who filed on the complainant\'s behalf (name masked for most roles)' })
  onBehalfOf!: { relationship: string; name: string; phone?: string; authorisationReference: string } | null;
  @ApiProperty({ type: String, nullable: true, description: 'Only the last four digits are ever stored' }) accountReference!: string | null;
  @ApiProperty({ description: 'References to object storage, with SHA-256, size and media type' })
  attachments!: { reference: string; sha256: string; sizeBytes: number; mediaType: string; fileName?: string }[];
  @ApiProperty({ nullable: true }) vulnerability!: { ageBand?: string; declaredNeeds?: string[] } | null;
  @ApiProperty({ nullable: true }) regulatorReferral!: { body: string; caseNumber: string; deadline?: string } | null;
  @ApiProperty({ nullable: true }) consent!: { dataProcessing: boolean; callRecording?: boolean; survey?: boolean } | null;
  @ApiProperty({ nullable: true, description: 'Branch, staff id, recording, bot intent, regulator receipt' }) channelContext!: Record<string, string> | null;
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
