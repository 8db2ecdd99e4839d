import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Allow, AuthenticatedRequest, seesPersonalData, StaffAuditTrail, UuidParameterPipe } from '@complaints/platform';
import { StaffComplaintView } from './complaint-acknowledgement';
import { ComplaintIntake } from './complaint-intake.service';

@ApiTags('complaints (staff)')
@Controller('v1/staff/complaints')
export class StaffComplaintsController {
  constructor(
    private readonly intake: ComplaintIntake,
    private readonly dataSource: DataSource,
    private readonly audit: StaffAuditTrail,
  ) {}

  @Get(':complaintId')
  @Allow('triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'The complaint as filed; personal data in clear only for investigators and compliance officers' })
  @ApiResponse({ status: 200, type: StaffComplaintView })
  async view(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest): Promise<StaffComplaintView> {
    const view = await this.intake.staffView(complaintId, request.principal!);
    // On the record before it is shown: who looked at whose personal data.
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, request, complaintId, 'complaint.viewed', { personalData: seesPersonalData(request.principal) ? 'clear' : 'masked' }),
    );
    return view;
  }
}
